"""Three-way merge of a stale form: the author's changes (from the text the
form was opened on to what they typed) applied to the latest saved text, with
diff-match-patch. A change whose place was also changed meanwhile is not
applied but reported. Pure module."""

from dataclasses import dataclass

from diff_match_patch import diff_match_patch

_QUOTE = 60  # characters of a passage quoted in a message


@dataclass(frozen=True)
class Merged:
    text: str                      # the merged text (the latest where nothing applied)
    refused: tuple[str, ...] = ()  # the author's changed passages that could not be applied

    @property
    def clean(self) -> bool:
        return not self.refused


def unified(text: str | None) -> str:
    """Line breaks as one character, whatever the browser sent."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def merge_text(opened: str, mine: str, latest: str) -> Merged:
    """`mine` is the author's text, typed on a form opened on `opened`;
    `latest` is what was saved since."""
    opened, mine, latest = unified(opened), unified(mine), unified(latest)
    if mine == opened or mine == latest:
        return Merged(latest)
    if latest == opened:
        return Merged(mine)
    differ = diff_match_patch()
    # A patch applies only where its text and context are found unchanged
    # (anywhere in the text: an insertion above moves it); no fuzzy placing.
    differ.Match_Threshold = 1e-6
    differ.Match_Distance = 10 ** 12
    differ.Patch_DeleteThreshold = 0.0
    patches = differ.patch_make(opened, mine)
    text, applied = differ.patch_apply(patches, latest)
    refused = tuple(_passage(mine, patch) for patch, ok in zip(patches, applied, strict=True)
                    if not ok)
    return Merged(latest if refused else text, refused)


def _passage(mine: str, patch) -> str:
    """The author's change in words: the words around it in their text, or
    what they deleted."""
    changed = [(op, part) for op, part in patch.diffs if op != diff_match_patch.DIFF_EQUAL]
    if all(op == diff_match_patch.DIFF_DELETE for op, _ in changed):
        return "the deletion of “" + _words("".join(p for _, p in changed)) + "”"
    start, end = patch.start2, patch.start2 + patch.length2
    line_start = mine.rfind("\n", 0, start) + 1
    line_end = mine.find("\n", end)
    line_end = len(mine) if line_end == -1 else line_end
    low = max(line_start, mine.rfind(" ", line_start, max(line_start, start - 20)) + 1)
    high = mine.find(" ", max(end, low + _QUOTE), line_end)
    return "“" + _words(mine[low:line_end if high == -1 else high]) + "”"


def _words(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 2 * _QUOTE else text[:2 * _QUOTE - 1] + "…"

"""What an article under review still needs before it is approved, in plain
sentences for the reviewer, the author and the editor. Pure module: the
approval rule (lifecycle/machine.approval_rule_holds) asks for enough approvals
of the current revision and no citation error left unwaived."""

from collections.abc import Sequence

NAMED_FINDINGS = 3  # the first few unwaived errors are named, the rest counted


def still_needed(approvals: int, required: int, unwaived_errors: Sequence[str],
                 named: int = NAMED_FINDINGS) -> list[str]:
    """One sentence per unmet part of the approval rule, none when it holds.
    `unwaived_errors` are the messages of the error findings no editor waived."""
    sentences = []
    if approvals < required:
        sentences.append(f"{approvals} of {required} approval{_s(required)}")
    if unwaived_errors:
        count = len(unwaived_errors)
        listed = " ".join(_sentence(message) for message in unwaived_errors[:named])
        more = (f" And {count - named} more (see the citation check)."
                if count > named else "")
        sentences.append(f"Blocked by {count} citation error{_s(count)}: {listed}{more}")
    return sentences


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _sentence(message: str) -> str:
    message = " ".join(message.split())
    return message if message.endswith((".", "!", "?")) else message + "."

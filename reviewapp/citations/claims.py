"""Clinical claims (doses, frequencies, statistics, recommendations). Pure module; the
sentences they sit in come from reviewapp.citations.sentences."""

import re
from dataclasses import dataclass
from functools import lru_cache

# The patterns are written in lower case and run on lower-cased text, each kind behind one
# word boundary: Python's re then skips, in C, the alternatives whose first letter does
# not match, where IGNORECASE would try every alternative at every position.
_NUMBER = r"\d+(?:[.,]\d+)?"
_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve)"
_RANGE = rf"(?:\s?(?:-|–|to|or)\s?(?:{_NUMBER}|{_NUMBER_WORD}))?"
_UNIT = (r"(?:mg|g|mcg|µg|μg|ug|ng|ml|l|iu|units?|mmol|meq|micrograms?|milligrams?|grams?"
         r"|millilit(?:re|er)s?)")
# What a dose is counted in when it is not weighed: "1 or 2 puffs", "two doses".
_FORM = (r"(?:tablets?|capsules?|caplets?|pills?|puffs?|drops?|sprays?|sachets?|lozenges?"
         r"|pessar(?:y|ies)|suppositor(?:y|ies)|patch(?:es)?|(?:tea)?spoonfuls?|doses?"
         r"|injections?|cups?|mugs?|glass(?:es)?|drinks?|servings?|portions?)")
# How much a figure changed: "by a quarter", "by about 5 to 8 mmHg".
_AMOUNT = (r"(?:about\s+|around\s+|approximately\s+|roughly\s+|nearly\s+|almost\s+"
           r"|up\s+to\s+|at\s+least\s+|more\s+than\s+|over\s+)?(?:\d|half"
           r"|(?:a|one|two|three)[- ](?:thirds?|quarters?|fifths?|half|tenth)|a\s+factor)")
_PEOPLE = (r"(?:people|persons|adults|children|babies|infants|men|women|patients|deaths"
           r"|cases|births)")
# Verbs of care after "should"/"must": "should be taken", "must not be given".
_CARE_VERB = (r"(?:take|taken|use|used|avoid|avoided|give|given|start|started|stop|stopped"
              r"|prescribe|prescribed|offer|offered|consider|considered|see|seek|ask|tell"
              r"|contact|call|check|checked|test|tested|treat|treated|monitor|monitored|eat"
              r"|drink|limit|limited|apply|applied|continue|continued|reduce|reduced|switch"
              r"|inject|injected|administer|administered|discontinue|discontinued|screen"
              r"|screened|refer|referred|vaccinate|vaccinated|keep|kept|wait|rest|attend"
              r"|restrict|restricted|receive|cut|lose|wear|sleep|exercise)")
# The verbs a page uses to tell its reader what to do, opening a sentence: "Take it with
# food.", "Do not stop suddenly.", "See a GP if …".
_IMPERATIVE = (r"(?:(?:always|never|please|also|then|so|now)\s+)?"
               r"(?:(?:do\s+not|don['’]t|never)\s+[a-z]+"
               r"|(?:take|use|apply|put|swallow|chew|inhale|avoid|stop|tell|ask|call|contact"
               r"|seek|check|limit|cut\s+down|eat|drink|give|offer|prescribe|advise|reduce"
               r"|review|reassess|refer|send|arrange|start|begin|continue|measure|monitor"
               r"|discuss|encourage|rinse|wash|wear|cover|clean|protect|sit|lie|rest|wait|stay"
               r"|treat|repeat|raise|choose|explain|leave|follow|report|let|shower|aim\s+for"
               r"|look\s+(?:out\s+)?for|make\s+sure|remember\s+to|try\s+(?:not\s+)?to"
               r"|keep\s+(?:taking|using|to|active|warm|hydrated)"
               r"|consider(?!\s+(?:the\s+case|this|these|how|what|an?\s+example))"
               r"|get\s+(?:urgent\s+|immediate\s+|medical\s+)*(?:help|advice|treatment)"
               r"|see\s+(?:a|an|your)\s+[a-z]+|go\s+to)\b(?![-\w]|\s+of\b|,))")
_CLAIM_KINDS = {
    "dose": (
        rf"(?<![.,]){_NUMBER}(?:\s?(?:-|–|to)\s?{_NUMBER})?\s?{_UNIT}"
        r"(?:/(?:kg|m2|m²|day|d|h|hr|hour|dose))?(?!\w|/\s?min)"
        # a count of tablets, puffs or doses, but not "packs of 14 tablets"
        rf"|(?<![.,])(?<!\bof )(?:\d+|{_NUMBER_WORD}){_RANGE}\s+"
        rf"(?:(?:extra|more|separate|further|single|divided|equal)\s+)?{_FORM}(?![-\w])"
    ),
    "frequency": (
        r"(?:once|twice|thrice|(?:one|two|three|four|five|six|\d+)\s+times)\s+"
        r"(?:a\s+|per\s+|each\s+|every\s+)?"
        r"(?:day|daily|week|weekly|month|monthly|hour|hourly|night|year|yearly)\b"
        rf"|(?:every|each)\s+(?:other\s+)?(?:(?:{_NUMBER}|{_NUMBER_WORD}){_RANGE}\s*)?"
        r"(?:hours?|hrs?|h|days?|weeks?|months?|years?|minutes?|mins?|seconds?|morning"
        r"|evening|night)\b"
        rf"|{_NUMBER}\s?(?:hours?|hrs?|h)\s+(?:apart|between\s+doses)\b"
        r"|(?:\d+|two|three|four|six|eight|twelve)[- ]hourly\b"
        rf"|{_FORM}\s+(?:a|per|each|every)\s+(?:day|night|week)\b"
        r"|repeat\w*\b[^.!?\n]{0,40}?\bafter\s+(?:\d+|one|two|three|seven|ten|fourteen)\s+"
        r"(?:days?|weeks?)\b"
        r"|q\.?\s?\d{1,2}\s?h(?:rs?|ours?)?\b"
        r"|(?:[bt]\.i\.d|q\.i\.d|q\.d\.s|t\.d\.s)(?!\w)\.?"
        r"|(?:bid|tid|qid|qds|tds|nocte|mane)\b"
    ),
    # A statistic is a figure: words such as "odds ratio" or "confidence interval" alone
    # name a measure (a definition, a method), and "95%" of "95% CI" is no finding.
    "statistic": (
        rf"(?<![.,%–-])(?<!this )(?<!these ){_NUMBER}\s?(?:%|per\s?cent\b|percent\b)"
        rf"(?:\s?(?:-|–|to)\s?{_NUMBER}\s?%)?"
        r"(?!\s?(?:ci|cri|ui|pi|confidence|credible|uncertainty|prediction)\b|\s+figure\b)"
        r"|p\s?(?:<|>|=|≤|≥|<=|>=)\s?0?\.\d+"
        rf"|(?:confidence|credible)\s+intervals?\s?(?:of|was|were|is|:)?\s?-?{_NUMBER}"
        r"|(?:(?:odds|hazard|risk|rate|likelihood)\s+ratios?|relative\s+risks?"
        r"|numbers?\s+needed\s+to\s+(?:treat|harm))\b[^.;\d]{0,20}?"
        rf"(?<![\w.])(?<!table )(?<!figure )(?<!fig\. ){_NUMBER}"
        r"|(?:reduc|decreas|increas|improv|lower|rais|cut|fell|fall|drop|rise|rose)\w*\b"
        rf"[^.!?\n]{{0,60}}?\bby\s+{_AMOUNT}"
        rf"|(?<![.,])(?:{_NUMBER}|{_NUMBER_WORD})\s+in\s+(?:every\s+)?"
        r"(?!(?:19|20)\d\d\b)(?:\d[\d,]*|two|three|four|five|six|ten|twenty|a\s+hundred"
        r"|a\s+thousand)\b"
        rf"|(?:{_NUMBER}|{_NUMBER_WORD}|several)(?:\s+to\s+(?:{_NUMBER}|{_NUMBER_WORD}))?"
        r"[- ]times?\s+(?:more|less|higher|lower|greater|as\s+(?:likely|common|high|many))\b"
        r"|(?:twice|half)\s+as\s+(?:likely|common|many|much|high|often)\b"
        r"|(?:at\s+least|more\s+than|less\s+than|about|around|nearly|almost|over|only)\s+"
        r"(?:half|(?:one|two|three)[- ](?:thirds?|quarters?|fifths?)|a\s+(?:third|quarter"
        r"|fifth))\b"
        rf"|(?<![.,$£€]){_NUMBER}(?:,\d{{3}})*\s+(?:million\s+|billion\s+)?"
        rf"(?:[\w-]+\s+)?{_PEOPLE}\b"
        rf"|millions\s+of\s+{_PEOPLE}\b"
    ),
    # Advice to the reader or a guideline; "should" and "avoid" only where they advise
    # ("It should be noted", "to avoid amblyopia" do not).
    "recommendation": (
        rf"(?:should|must)\s+(?:(?:not|never|only|also|always|still|usually|first)\s+)*"
        rf"(?:be\s+)?{_CARE_VERB}\b"
        r"|(?:you|patients|people|adults|children|women|men|parents|carers|clinicians"
        r"|doctors|prescribers|everyone|anyone)\b(?:\s+[\w'’-]+){0,6}?\s+(?:should|must)\b"
        r"|(?<!\bwere\s)(?<!\bwas\s)recommended\b|recommended\b(?!\s+to\b)"
        r"|recommend(?:s|ing)?\b|recommendations?\s+(?:is|are)\s+(?:to|that)\b"
        r"|(?:is|are|be)\s+(?:best\s+|usually\s+|generally\s+)?(?:avoided|advised)\b"
        r"|(?:usual\s+)?first\s+(?:choice|treatment)\b"
        r"|you\s+can\s+(?:safely\s+)?(?:give|take|use|have)\b"
        r"|first[- ‐]line\b|second[- ‐]line\b|contra-?indicat\w*"
        r"|call\s+(?:999|111|112|911|an\s+ambulance)\b"
        r"|go\s+to\s+(?:a&e|(?:an?\s+|the\s+)?(?:emergency|hospital))"
        r"|(?:ask|tell|talk\s+to|speak\s+to|check\s+with|see|contact)\s+(?:your|a)\s+"
        r"(?:doctor|gp|pharmacist|nurse|midwife|dentist|specialist|health\s+visitor)\b"
    ),
}
# Abbreviations whose case matters ("OR 1.5", not "1 or 2"), matched on the text as written.
_CASED_KINDS = {
    "statistic": (
        rf"\b(?:CI|CrI)\b\s?[:=,]?\s?-?{_NUMBER}"
        rf"|\b(?:OR|HR|RR|aOR|aHR|IRR|NNT|NNH)\b[^.;\d]{{0,20}}?(?<![\w.]){_NUMBER}"
    ),
}
_CLAIM_OF_KIND = {kind: re.compile(rf"\b(?:{pattern})") for kind, pattern in _CLAIM_KINDS.items()}
_CASED_OF_KIND = {kind: re.compile(pattern) for kind, pattern in _CASED_KINDS.items()}
# An instruction opens its sentence ("Avoid NSAIDs.", "“Do not stop suddenly”"): it is
# looked for there only.
_OPENING = r"[\s\"'“‘(\[*_-]*"
_INSTRUCTION = re.compile(rf"{_OPENING}(?P<words>{_IMPERATIVE})", re.IGNORECASE)
_ANY_CLAIM = re.compile(
    r"\b(?:" + "|".join(_CLAIM_KINDS.values()) + ")"
    rf"|(?:^|[.!?:;][)\]\"'”’]*\s){_OPENING}{_IMPERATIVE}")

CLAIM_DESCRIPTIONS = {
    "dose": "gives a dose",
    "frequency": "gives a dosing frequency",
    "statistic": "states a statistic",
    "recommendation": "makes a recommendation",
}

# Words that say a sentence reports the article's own study ("we found", "in this trial",
# "our estimates"): its doses, frequencies and figures are the study's, not claims that
# need a source. Advice stays a claim ("We recommend …" still needs one).
OWN_STUDY = re.compile(
    r"\bwe\s+(?:\w+\s+)?(?:found|observed|estimated|calculated|reported|showed|saw|noted"
    r"|detected|identified|included|enrolled|recruited|randomi[sz]ed|assigned|allocated"
    r"|followed|measured|analy[sz]ed|compared|fitted|obtained|gave|treated|studied"
    r"|surveyed|interviewed|examined|tested)\b"
    r"|\bour\s+(?:[\w-]+\s+)?(?:study|trial|analys[ie]s|data|results?|findings?|cohorts?"
    r"|sample|estimates?|models?|ratios?|participants|population|survey|series)\b"
    r"|\b(?:in|from|of)\s+(?:this|the\s+present|the\s+current)\s+(?:study|trial|analysis"
    r"|cohort|sample|survey|series)\b"
    r"|\bthis\s+(?:study|trial|analysis)\s+(?:shows?|showed|found|finds|suggests?"
    r"|demonstrates?|confirms?|indicates?)\b",
    re.IGNORECASE)
# A pointer to the article's own table or figure, "(Table 3)", "Figure 2 shows": the
# figures beside it are the article's data (a dose beside one is still a claim).
OWN_DISPLAY = re.compile(
    r"\(\s*(?:see\s+)?(?:tables?|fig\.|figures?)\s+S?\d"
    r"|\b(?:table|figure|fig\.)\s+S?\d+\s+(?:shows?|lists?|summari[sz]es|presents?|gives?)\b",
    re.IGNORECASE)
# Words that put a figure in someone else's study ("a previous trial", "Smith et al."),
# even where the article's own results hold the same number.
OTHER_STUDY = re.compile(
    r"\b(?:previous|other|earlier|prior|another|recent|similar)\s+(?:[\w-]+\s+)?(?:study"
    r"|studies|trials?|analys[ie]s|reports?|surveys?|cohorts?|reviews?)\b|\bmeta-analys"
    r"|\bet\s+al\b",
    re.IGNORECASE)
# Headings of a research article's own methods and results ("Methods", "2.3 Statistical
# analysis", "Methods and Findings", "Results"): what stands under them is the study itself.
OWN_STUDY_HEADING = re.compile(
    r"(?:(?:materials?|patients?|participants|subjects)\s+and\s+)?methods?"
    r"(?:\s+and\s+(?:materials?|findings|results))?|methodology"
    r"|results?(?:\s+and\s+discussion)?|(?:main\s+)?findings"
    r"|study\s+(?:design|population|participants|setting)|design(?:\s+and\s+setting)?"
    r"|setting|participants|population|procedures?|interventions?"
    r"|(?:main\s+)?outcomes?(?:\s+measures)?|measurements|sample\s+size"
    r"|data\s+(?:collection|sources?|analysis|extraction)|statistical\s+(?:analys[ie]s|methods)"
    r"|sensitivity\s+analys[ie]s|randomi[sz]ation|ethics(?:\s+statement)?",
    re.IGNORECASE)
# An abstract's conclusions restate the study's findings ("Abstract > Interpretation").
ABSTRACT_HEADING = re.compile(r"(?:structured\s+)?(?:abstract|summary)", re.IGNORECASE)
ABSTRACT_CONCLUSION_HEADING = re.compile(r"conclusions?|interpretation", re.IGNORECASE)
_OWN_STUDY_KINDS = frozenset({"dose", "frequency", "statistic"})
_FIGURE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*%?")


@dataclass(frozen=True)
class Claim:
    kind: str       # a key of CLAIM_DESCRIPTIONS
    text: str       # the words that make it a claim, e.g. "150 mg"
    start: int


def _lowered(text: str) -> str:
    """`text` in lower case, letter for letter (so offsets stay those of `text`)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(letter if len(letter.lower()) != 1 else letter.lower() for letter in text)


def might_hold_claim(text: str) -> bool:
    """Could `text` (a paragraph) hold a claim? Only such text is split into sentences."""
    return (_ANY_CLAIM.search(_lowered(text)) is not None
            or any(pattern.search(text) for pattern in _CASED_OF_KIND.values()))


def _first(kind: str, text: str, lowered: str) -> re.Match[str] | None:
    found = _CLAIM_OF_KIND[kind].search(lowered)
    if kind in _CASED_OF_KIND and (cased := _CASED_OF_KIND[kind].search(text)):
        if found is None or cased.start() < found.start():
            return cased
    return found


@lru_cache(maxsize=8192)
def find_claim(text: str, leave_out: frozenset[str] = frozenset()) -> Claim | None:
    """The clinical claim of `text` (a sentence), or None: its first dose, else its first
    frequency, statistic or recommendation, in that order ("Take 10 mg" gives a dose).
    Kinds in `leave_out` are not looked for. Cached by sentence: re-checking a saved draft
    finds the claims again only in the sentences it changed."""
    lowered = _lowered(text)
    for kind in CLAIM_DESCRIPTIONS:
        if kind in leave_out:
            continue
        if kind == "recommendation" and (opening := _INSTRUCTION.match(text)):
            return Claim(kind, opening["words"], opening.start("words"))
        if found := _first(kind, text, lowered):
            return Claim(kind, text[found.start():found.end()], found.start())
    return None


def own_study_kinds(text: str, in_own_study_section: bool) -> frozenset[str]:
    """The claim kinds that are the article's own in an uncited sentence: doses,
    frequencies and figures under the article's own Methods or Results or in words that
    report its study ("we found", "in this trial"); figures beside a pointer to its own
    table or figure. Recommendations are never the article's own data."""
    if in_own_study_section or OWN_STUDY.search(text):
        return _OWN_STUDY_KINDS
    if OWN_DISPLAY.search(text):
        return frozenset({"statistic"})
    return frozenset()


def figures(text: str) -> frozenset[str]:
    """Every number in `text`, as written ("15%–20% higher" → "15%", "20%")."""
    return frozenset(_FIGURE.findall(text))


def statistic_figures(text: str) -> frozenset[str]:
    """The numbers of the statistics `text` states."""
    lowered = _lowered(text)
    found = [*_CLAIM_OF_KIND["statistic"].finditer(lowered),
             *_CASED_OF_KIND["statistic"].finditer(text)]
    return frozenset().union(*(figures(match[0]) for match in found))

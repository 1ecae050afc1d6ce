"""The demo's articles: short patient leaflets on common pharmacy medicines, written to
match NHS and NICE advice, citing sources that exist (NHS medicine pages, NICE guidance,
a Cochrane review and a randomised trial with their real DOIs). Data only; demo.py
puts each article in its state."""

from dataclasses import dataclass

from reviewapp.articles.versions import VersionText

DRAFT, UNDER_REVIEW, CHANGES_REQUESTED, APPROVED = (
    "draft", "under_review", "changes_requested", "approved")


@dataclass(frozen=True)
class DemoArticle:
    title: str
    body: str
    references: str
    tags: tuple[str, ...]
    # The state demo.py leaves it in (one of the four above).
    state: str
    # A reviewer's request for changes: the passage commented on, the comment, the
    # report, and the editor's decision letter (CHANGES_REQUESTED only).
    passage: str = ""
    comment: str = ""
    report: str = ""
    letter: str = ""
    # Versions for the site's audiences (issue 17), citing the same references.
    versions: tuple[VersionText, ...] = ()


NHS_PARACETAMOL = ("NHS. Paracetamol for adults. "
                   "https://www.nhs.uk/medicines/paracetamol-for-adults/")
NICE_LOW_BACK_PAIN = ("National Institute for Health and Care Excellence. Low back pain and "
                      "sciatica in over 16s: assessment and management (NICE guideline NG59). "
                      "2016, updated 2020. https://www.nice.org.uk/guidance/ng59")
NICE_CKS_RHINITIS = ("National Institute for Health and Care Excellence. Clinical Knowledge "
                     "Summaries: Allergic rhinitis. "
                     "https://cks.nice.org.uk/topics/allergic-rhinitis/")


def numbered(*references: str) -> str:
    return "\n".join(f"{n}. {text}" for n, text in enumerate(references, start=1))


# Still being written: the dose sentence cites nothing yet, so its citation check shows
# one warning (claim-uncited) for the author to fix, as a draft in progress would.
IBUPROFEN = DemoArticle(
    title="Ibuprofen for acute low back pain",
    body="""\
Most new episodes of low back pain get better within a few weeks; NICE advises keeping
active and carrying on with normal activities, including work, as far as possible [1].

## Which painkiller

NICE advises considering an anti-inflammatory painkiller (an NSAID) such as ibuprofen for
low back pain, at the lowest effective dose for the shortest possible time, and not
offering paracetamol on its own [1]. In a Cochrane review of trials in acute low back pain,
NSAIDs relieved pain slightly better than placebo over the first weeks; the evidence was of
low certainty [2].

## Dose

Adults can take 200 mg to 400 mg three times a day, leaving at least 6 hours between doses,
and no more than 1,200 mg in 24 hours unless a doctor advises more.

## Check first

Take ibuprofen with or just after food [3]. Ask a pharmacist or doctor before taking it if you
have had a stomach ulcer or bleeding, have asthma, heart, kidney or liver problems, or are
pregnant [3].
""",
    references=numbered(
        NICE_LOW_BACK_PAIN,
        "van der Gaag WH, Roelofs PD, Enthoven WT, van Tulder MW, Koes BW. Non-steroidal "
        "anti-inflammatory drugs for acute low back pain. Cochrane Database Syst Rev. "
        "2020;4(4):CD013581. doi:10.1002/14651858.CD013581",
        "NHS. Ibuprofen for adults. https://www.nhs.uk/medicines/ibuprofen-for-adults/",
    ),
    tags=("pain medicine",),
    state=DRAFT,
)

# Under review: one of the two reviewers has signed.
PARACETAMOL = DemoArticle(
    title="Paracetamol for pain and fever in adults",
    body="""\
Paracetamol is a common first choice for mild to moderate pain, such as headache or
toothache, and for a high temperature [1].

## Dose

The usual adult dose is 500 mg to 1 g up to 4 times in 24 hours, leaving at least 4 hours
between doses, and no more than 4 g in 24 hours [1]. Adults who weigh less than 50 kg, have
liver or kidney problems or drink a lot of alcohol may need a lower dose and should ask a
pharmacist or doctor first [1].

## Cautions

Many cold and flu remedies also contain paracetamol, so check the label before taking them
together [1]. Taking too much paracetamol can damage the liver even when you feel well: get
urgent medical advice after taking more than the maximum dose [1].

For low back pain, NICE advises against paracetamol on its own [2].
""",
    references=numbered(NHS_PARACETAMOL, NICE_LOW_BACK_PAIN),
    tags=("pain medicine",),
    state=UNDER_REVIEW,
    versions=(VersionText(
        audience="patient",
        title="Paracetamol for pain and fever",
        key_points="""\
- Paracetamol can ease a headache, toothache or a high temperature [1].
- Most adults take 1 or 2 tablets of 500 mg, up to 4 times in 24 hours [1].
- Do not take more than 8 tablets of 500 mg in 24 hours [1].
""",
        body="""\
Paracetamol is a painkiller. It can ease mild pain, like a headache or toothache. It can
also bring down a high temperature [1].

## How much to take

Most adults take 1 or 2 tablets of 500 mg [1]. You can take them up to 4 times in 24 hours [1].
Wait at least 4 hours between doses [1]. Do not take more than 8 tablets in 24 hours [1].

Ask a pharmacist first if you weigh less than 50 kg [1]. Ask too if you drink a lot of alcohol,
or have liver or kidney problems [1]. You may need a lower dose [1].

## Take care

Some cold and flu medicines have paracetamol in them too. Check the label before you take
them with it [1]. Too much paracetamol can harm your liver, even if you feel fine. Get
help at once if you take too much [1].

For low back pain, doctors do not advise paracetamol on its own [2].
"""),),
)

# Sent back to its author: a reviewer asked for the steroid spray, the editor agreed.
CETIRIZINE = DemoArticle(
    title="Cetirizine for hay fever in adults",
    body="""\
Hay fever is an allergy to pollen. It causes sneezing, an itchy, runny or blocked nose and
itchy, watery eyes [1].

An antihistamine such as cetirizine relieves sneezing, itching and a runny nose [1]. The
adult dose is 10 mg once a day [2].

Cetirizine makes some people sleepy, and alcohol can make this worse: do not drive or use
tools or machinery if it affects you [2].
""",
    references=numbered(
        NICE_CKS_RHINITIS,
        "NHS. Cetirizine. https://www.nhs.uk/medicines/cetirizine/",
    ),
    tags=("allergy",),
    state=CHANGES_REQUESTED,
    passage="An antihistamine such as cetirizine relieves sneezing, itching and a runny nose",
    comment="Antihistamines do little for a blocked nose. Please say that a steroid nasal "
            "spray works better for a blocked nose and for symptoms that last all season "
            "(reference 1 covers this).",
    report="Accurate as far as it goes, but readers with a blocked nose need the steroid "
           "spray, and everyone needs to know when to see a GP (symptoms not controlled by "
           "pharmacy medicines, or wheeze).",
    letter="Dear Alice,\n\nThank you for the article. Please add the advice on steroid "
           "nasal sprays for a blocked nose or symptoms that last all season, and when to "
           "see a GP, as the reviewer suggests; then resubmit it.\n\nEddie Editor",
)

# Approved with both signatures: on the public site.
OMEPRAZOLE = DemoArticle(
    title="Omeprazole for heartburn in adults",
    body="""\
Heartburn and acid reflux often improve with simple changes: losing weight if you are
overweight, stopping smoking, and eating your main meal well before going to bed [1].

## Omeprazole from a pharmacy

Omeprazole lowers the amount of acid the stomach makes. Adults can buy it from a pharmacy
and take 20 mg once a day for up to 14 days; see a doctor if your symptoms have not
improved by then [2].

## See a doctor first

See a doctor before taking it if you have difficulty swallowing, are losing weight without
trying, or are vomiting blood or passing black stools: these need to be checked first
[1,2].

## Longer treatment

When treatment is needed for longer, NICE advises reviewing it at least once a year and
trying a lower dose or stopping when symptoms allow [1]. In a large randomised trial in
people with heart or artery disease, those taking a similar medicine, pantoprazole, for
about three years had no more pneumonia, fractures, dementia or kidney disease than those
taking a placebo, though gut infections may have been slightly more common [3].
""",
    references=numbered(
        "National Institute for Health and Care Excellence. Gastro-oesophageal reflux "
        "disease and dyspepsia in adults: investigation and management (clinical guideline "
        "CG184). 2014, updated 2019. https://www.nice.org.uk/guidance/cg184",
        "NHS. Omeprazole. https://www.nhs.uk/medicines/omeprazole/",
        "Moayyedi P, Eikelboom JW, Bosch J, et al. Safety of proton pump inhibitors based "
        "on a large, multi-year, randomized trial of patients receiving rivaroxaban or "
        "aspirin. Gastroenterology. 2019;157(3):682-691.e2. "
        "doi:10.1053/j.gastro.2019.05.056. PMID: 31152740",
    ),
    tags=("gastroenterology",),
    state=APPROVED,
    versions=(VersionText(
        audience="patient",
        title="Omeprazole for heartburn",
        key_points="""\
- Small changes can ease heartburn, like eating your main meal well before bed [1].
- Adults can buy omeprazole at a pharmacy. Take 20 mg once a day for up to 14 days [2].
- See a doctor first if it is hard to swallow, or if you are sick with blood in it [1,2].
""",
        body="""\
Heartburn is a burning feeling in your chest. Small changes often help. Lose weight if you
need to. Stop smoking [1]. Eat your main meal well before you go to bed [1].

## Taking omeprazole

Omeprazole lowers the acid your stomach makes. You can buy it at a pharmacy. Take 20 mg
once a day for up to 14 days [2]. See a doctor if you do not feel better by then [2].

## See a doctor first

See a doctor before you take it if it is hard to swallow, or you lose weight without
trying [1,2]. See a doctor too if you are sick with blood in it, or your poo is black [1,2].

## Taking it for longer

If you need it for a long time, your doctor should check it at least once a year [1]. In
a large study, people took a similar medicine for about 3 years. They did not get more
serious illness than people who took a dummy pill. They may have had a few more tummy bugs
[3].
"""),),
)

DEMO_ARTICLES = (IBUPROFEN, PARACETAMOL, CETIRIZINE, OMEPRAZOLE)

# The article the README's walkthrough (and `make screenshots`) has the author write.
TOUR_TITLE = "Beclometasone nasal spray for hay fever"
TOUR_BODY = ("A steroid nasal spray such as beclometasone helps a blocked nose caused by hay "
             "fever, and works best when used every day through the pollen season [1,2]. "
             "Adults usually use 2 sprays into each nostril twice a day [2].")
TOUR_REFERENCES = numbered(
    NICE_CKS_RHINITIS,
    "NHS. Beclometasone nasal spray. https://www.nhs.uk/medicines/beclometasone-nasal-spray/",
)

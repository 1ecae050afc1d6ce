"""The people of an article as the read API serves them (public/people.py)."""

from reviewapp.public.people import PublicPerson
from reviewapp.urls import site_url


def profile(person: PublicPerson | None) -> dict:
    """The public profile fields: credentials, specialty, ORCID iD, and the
    person's place on the Medical Advisory Board page (null: not a member)."""
    if person is None:
        return {"credentials": "", "specialty": "", "orcid": None, "board_url": None}
    return {"credentials": person.credentials, "specialty": person.specialty,
            "orcid": person.orcid,
            "board_url": (f"{site_url('public.board')}#{person.anchor}"
                          if person.board_member else None)}


def person(person: PublicPerson | None) -> dict | None:
    if person is None:
        return None
    return {"name": person.name, **profile(person)}

"""Domain errors: plain exceptions with a message for people, raised by pure
modules and services alike. error_pages.py maps them to HTTP, in one place."""


class DomainError(Exception):
    """A refusal whose message is shown to the user as it is."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PermissionDenied(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class TransitionRefused(DomainError):
    status_code = 409


STALE_MESSAGE = "This article changed since you opened it — nothing was saved."


class StaleVersion(DomainError):
    status_code = 409

    def __init__(self, message: str = STALE_MESSAGE):
        super().__init__(message)


class InvalidInput(DomainError):
    status_code = 400


class RefusalOnRecord(DomainError):
    """A refusal whose record must outlive the rollback of what was refused
    (a wrong password at the signature counts towards the lockout). `keep`
    writes that record again in a fresh transaction: roll_back() runs it."""

    status_code = 400

    def __init__(self, message: str, keep):
        super().__init__(message)
        self.keep = keep


CONNECTION_LOST_MESSAGE = ("The database connection was lost; nothing was saved. "
                           "Please try again.")
LOST_WHILE_SAVING_MESSAGE = ("The database connection was lost while your change was being "
                             "saved, so it may or may not have been saved. Reload the page to "
                             "check before trying again.")
DATABASE_UNAVAILABLE_MESSAGE = ("The database could not complete this request; nothing was "
                                "saved. Please try again in a moment.")

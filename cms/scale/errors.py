"""Why a scale seed cannot go ahead, in Chinese, for the command to print."""


class Refused(Exception):
    """The database is not one to seed (SQLite, other sizes already there, names taken)."""


class SizeError(ValueError):
    """The sizes cannot go together (more hours than the volunteers can serve, more bids than
    the organisations can make); the message says which flag to change."""

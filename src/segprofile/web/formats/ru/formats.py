"""Russian date formats with the time zone named (see :mod:`segprofile.web.formats`)."""

from segprofile.web.formats import zone_suffix

DATETIME_FORMAT = "d.m.Y H:i" + zone_suffix()  # as the reports write it
SHORT_DATETIME_FORMAT = "d.m.Y H:i" + zone_suffix()

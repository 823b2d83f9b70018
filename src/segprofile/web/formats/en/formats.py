"""English date formats with the time zone named (see :mod:`segprofile.web.formats`)."""

from segprofile.web.formats import zone_suffix

DATETIME_FORMAT = "N j, Y, P" + zone_suffix()
SHORT_DATETIME_FORMAT = "m/d/Y P" + zone_suffix()

"""The time zone of every local time in a data folder: Europe/London wall-clock time (SCHEMA.md).

Its one home: loading reads times in it, periods are local dates in it, and
pages show times in it. The clocks change twice a year, so a local time is
turned into a real instant before any duration is worked out.
"""

#: SCHEMA.md's local time zone.
LOCAL_TIME_ZONE = "Europe/London"

#: The pandas type of a column of local times.
LOCAL_TIMES = f"datetime64[ns, {LOCAL_TIME_ZONE}]"

# Azerbaijani writes month names in lower case within a date ("5 dekabr 2026"). "E" is the month
# name in its date form (msgctxt "alt. month"), lower case in typodesk's az catalogue
# (typodesk/locale/az); Django's own formats use "F" (the capitalised standalone name) for these two.
MONTH_DAY_FORMAT = "j E"
YEAR_MONTH_FORMAT = "E Y"

# A day and month in Russian takes the month in the genitive ("5 декабря"); Django's "j F" gave
# "5 Декабрь". "E" is that form.
MONTH_DAY_FORMAT = "j E"

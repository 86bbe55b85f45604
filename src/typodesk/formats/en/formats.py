# Django's English times end in "a.m."/"p.m.", and a sentence that ends with a time then showed
# "p.m..". "3:04 PM" ends with no period (and says the minutes, which "3 p.m." drops).
TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "N j, Y, g:i A"

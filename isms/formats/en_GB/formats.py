"""Date input in the one format `<input type="date">` reads (ISO 8601) first.

A browser's date picker sends and expects YYYY-MM-DD whatever the locale; with en-GB's
default (DD/MM/YYYY first) an edit form rendered its stored dates as "02/12/2027", the picker
showed them empty, and saving the form blanked them. Typed British dates still parse.
"""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]

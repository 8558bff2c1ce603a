"""Format overrides for the project's locale (settings.FORMAT_MODULE_PATH).

HTML date and datetime-local inputs only accept ISO 8601 values (`2030-01-01`,
`2030-01-01T09:30`). Django renders a form's date with the first of the locale's input
formats, which for en-GB is `01/01/2030`: such a value is blank in the browser, and the
next save wipes the stored date. ISO comes first here, so every date and datetime field
renders in the form a browser can show; the British forms stay accepted on input.
"""

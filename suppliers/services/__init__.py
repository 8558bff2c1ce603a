"""The only code that writes supplier data: suppliers, assessments, question sets, portal."""

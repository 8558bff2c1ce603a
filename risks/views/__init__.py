"""The risks pages, under /o/<org_slug>/risks/ (a package: register, change gate, SoA)."""

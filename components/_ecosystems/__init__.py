"""The package ecosystems ghpublish publishes to GitHub Packages, one module each.

An ecosystem module holds its manifest block (the pydantic models under `defaults` and
under a repository), its resolved spec and its workflow.
"""

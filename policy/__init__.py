"""The ghpublish policy pack: the publishing standard, enforced on any stack."""

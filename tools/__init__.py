"""Offline tooling of ghpublish: the recording mock engine and `make synth`."""

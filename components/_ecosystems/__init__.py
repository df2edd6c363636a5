"""One folder per ecosystem (npm, maven, gradle, nuget, rubygems, container): its manifest
block, resolved spec, resolution and workflow, built on ``components/_core`` only and
registered in ``components/_registry.py``. An ecosystem imports no other ecosystem."""

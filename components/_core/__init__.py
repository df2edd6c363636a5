"""The floor every other layer builds on, importing nothing above it: errors, field rules,
the spec types, the workflow model and its renderer, the action catalog, the workflow
rules, what the ecosystems share (the descriptor, the release workflow, Java) and the
component base."""

"""First-stage natural-language parser: normalisation, schema mentions, operation cues."""

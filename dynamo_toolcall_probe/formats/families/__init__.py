"""One module per format family; each defines `SPEC`, an instance of a `FormatSpec` subclass."""

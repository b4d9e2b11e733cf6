"""The constructs of cdk-containers, one module per family."""

__all__: list[str] = []

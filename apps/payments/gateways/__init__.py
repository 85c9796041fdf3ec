"""Payment gateways: one module each, listed in ``registry`` (``registry.get_gateway(name)``).

``base`` holds the interface and the plain values gateways return. This package file imports
nothing, so ``base`` can be imported without loading every gateway.
"""

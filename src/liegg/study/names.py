"""Names that training, tables and figures share. This module imports nothing, so that a
job which reads a name here depends on no other code (see workflow/rules/common_code.smk)."""

__all__ = ["REGIMES"]

#: How a network is trained: all layers at once; autoencoder pre-training of the hidden
#: layers (no labels) then end-to-end fine-tuning; greedy layer-wise. Figures draw the
#: regimes in this order and colour order.
REGIMES = ("end_to_end", "autoencoder", "layerwise")

"""Video generation from a prompt or an image list: the wire bodies, the stored input, timing and price, the kinds."""

"""Image processing: branding removal, image sets, titles, receipts, roll-up banners, enhance."""

"""Cameos: what an owner enrols, sees and sets; who may use a cameo lives in workbench.social.consent."""

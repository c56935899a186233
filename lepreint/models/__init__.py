MODELS = {"coscattering": "lepreint.models.coscattering"}

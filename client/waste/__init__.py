"""Client side of hazardous-waste manifests: typed calls (:mod:`client.waste.service`) and readable output
(:mod:`client.waste.render`)."""

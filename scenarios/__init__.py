"""Files, not code: the scenario library, the unit costs and the geography, shipped as package data
(``jrsim.data.scenarios``; the code that reads them is ``model/parameters/``)."""

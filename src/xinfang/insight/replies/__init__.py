"""Reply assistance (issue 12): the most similar answered petitions for the reply form (`similar`), and a
check of a draft reply before approval (`check`)."""

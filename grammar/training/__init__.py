"""Training the learned parser: a seeded corpus generator over synthetic tables, and the trainer.

Nothing here runs when the product parses a question; it only writes the corpus and the weights
that ``grammar.parse`` loads.
"""

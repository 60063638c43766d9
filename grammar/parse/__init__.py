"""The learned parser, one module per stage.

1. ``normalise``: lower case, contractions, numbers as written (``1e5``, "2.5k", words).
2. ``mentions`` (with ``vocabulary`` and ``text``): what the question names in the table
   (numbers and ids, features, values, classes); it proposes, the model decides.
3. ``encoding`` (with ``minilm``): words and mention embeddings for the model.
4. ``decisions`` and ``model``: the decision space and the trained model (MiniLM's top layers
   and heads, numpy at inference), behind ``DecisionModel.predict``.
5. ``assemble``: decisions -> a ``Program``; ``parser`` validates it against the dataset grammar,
   ranks readings and calibrates the confidence.
6. ``context``: what refers to the previous turn (carried changes, corrections).

``derive`` aligns known programs to questions for training (``grammar.training``).
"""

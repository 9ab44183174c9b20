"""The paper's experiments, built on the core of ubhop.

- ``presets``: the configurations of the demo (Fig. 2) and of the write regime
  (Fig. 3).
- ``associative``: the seven four-node patterns, energy tables and recall
  (Fig. 3).
- ``aligned``: the saturated read-out (textures parallel to each pattern's field).
- ``scaleup``: the 35-node device trained on letters, and the letters' recall
  accuracy for every rule.
- ``logic``: logic gates as four-node networks with a bias node.
- ``state_graph``: a small film's relaxed states under signed pulses at 0 K.
- ``ensemble``: thermal ensembles near the switching threshold.

The core (``ubhop.*``) never imports this package.
"""

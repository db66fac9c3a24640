"""Training kg's learned extractor: gold documents from kg's data sets (:mod:`kg.train.corpus`) and the
fine-tuned entity recogniser (:mod:`kg.train.ner`)."""

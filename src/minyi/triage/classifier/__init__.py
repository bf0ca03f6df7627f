"""Classify an appeal's text into the event dictionary, with calibrated confidences.

The model is deliberately plain: TF-IDF over character 1-2-grams (no word segmenter to load,
no out-of-vocabulary words: Chinese appeals are short and full of place names), plus a second,
down-weighted block of the grams of the text's first characters (the title, or where the subject
usually sits), scored by two linear models: a linear SVM and an NB-SVM (Wang & Manning 2012: the
same SVM, one-vs-rest, on features scaled by their naive-Bayes log-count ratio; strong on short
texts). Each model's scores become probabilities by Platt scaling per class fitted on out-of-fold
scores (what scikit-learn's `CalibratedClassifierCV(method="sigmoid", ensemble=False)` does),
and the two models' probabilities are averaged: they err on different appeals, so the average
ranks confidence better than either. Below the confidence threshold an appeal goes to a person;
the threshold is the lowest one that kept out-of-fold precision at or above the target (98 %).
Both models are linear in the same features, so the artifact is one weight matrix.

Training uses scikit-learn; the stored artifact holds only arrays and the vocabulary, and one
text is scored with a few numpy operations, so prediction stays well under a millisecond and an
artifact survives a scikit-learn upgrade. scikit-learn and SciPy are imported inside the
training and evaluation functions, not at the top: a server or CLI process that only predicts
would otherwise pay about a second and 100 MB of memory for them. The classifier is
label-agnostic: the same code trains on a district's event-dictionary leaf codes or on any other
labelled history.

Modules: `params`, `features`, `model` (predicting, the artifact), `training`, `evaluation`,
`data` (labelled files) and `registry` (versioned artifacts, the current model per process).
"""

"""The trainable category classifier (DESIGN §7, issue 12): text -> first-level 内容分类 with a confidence.

- `text`: how a petition's title and content become the classifier's text, and its words (jieba);
- `model`: the estimator (word and character TF-IDF, linear SVMs, calibrated confidences);
- `evaluation`: cross-validation grouped by normalised text (macro-F1, per-class F1, confusion);
- `data`: labelled CSV files read for `xinfang insight train|evaluate`;
- `registry`: the active stored version, loaded once per process and re-checked cheaply;
- `labels`: the model's labels mapped to the deployment's Category rows.
Everything runs on the CPU, offline; nothing is downloaded.
"""

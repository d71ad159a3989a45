"""The class wall: students send their drawings, the lecturer's screen pools them. Storage
(store.py), what may be sent (sending.py), the lecturer's passcode (lecturer.py) and the class's
data set (dataset.py). No Streamlit here, like `cnn`: the page calls this package.
"""

"""The Streamlit app: the only package that imports streamlit. Pages are thin and call the package."""

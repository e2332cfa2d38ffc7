"""The Streamlit app: the only package that imports streamlit. Pages are thin and call the package.

The server (server.py) runs the script pages/navigation.py behind a guard for this computer's own browser;
pages/navigation.py loads the big libraries once (preload.py) and navigates between the pages (pages/).
"""

"""What the app loads once per process: the settings and the knowledge base service."""

from __future__ import annotations

import os

import streamlit as st

from kb.service import Service
from kb.user import UserData
from settings import Settings, load_settings

CONFIG_ENV = "KB_CONFIG"  # tests and deployments point the app at another config file


@st.cache_resource(show_spinner=False)
def get_settings() -> Settings:
    return load_settings(os.environ.get(CONFIG_ENV) or None)


@st.cache_resource(show_spinner=False)
def get_service() -> Service:
    """One service per process: it keeps a searcher per published version and runs ingest jobs."""
    return Service(get_settings())


@st.cache_resource(show_spinner=False)
def get_user_data() -> UserData:
    """The user's basket, searches and feedback (files under app.user_dir), one per process."""
    return UserData(get_settings().app.user_dir)

"""Pure Altair chart builders: DataFrame in, alt.Chart out, no Streamlit."""

# One image for every replica: the app, its requirements and the shipped model.
#   docker compose -f deploy/compose.yaml up --scale app=4    (see README: "Serving a lecture hall")
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY .streamlit .streamlit
COPY app.py ./
COPY classwall classwall
COPY cnn cnn
COPY display display
COPY ui ui
COPY static static
COPY assets assets
COPY deploy/entrypoint.sh deploy/entrypoint.sh

# The models every replica serves and retrains live on a shared volume (compose.yaml); the
# entrypoint seeds it with the shipped ones the first time.
ENV CNN_MODEL_PATH=/models/mnist_convnet.keras CNN_MLP_PATH=/models/mnist_mlp.keras
EXPOSE 8501
ENTRYPOINT ["deploy/entrypoint.sh"]
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501"]

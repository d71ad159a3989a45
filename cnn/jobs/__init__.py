"""Server-side control of trainings and fine-tunes: one at a time per model file across
processes (training_lock), each run in a child process (training_job), the messages both sides
exchange (protocol) and what a running training reports (progress). Never imports Keras.
"""

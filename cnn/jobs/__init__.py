"""Server-side control of trainings and fine-tunes: one at a time per model file across
processes (training_lock: an flock on one machine; database_lock: a PostgreSQL advisory lock
across hosts, chosen when DATABASE_URL is PostgreSQL), each run in a child process
(training_job), the messages both sides exchange (protocol) and what a running training reports
(progress). Never imports Keras.
"""

"""The lesson page: the seed notebook's cells, in its order, one step per screen, on the student's
own digit (issue 24). `frame.py` draws the step's frame (where you are, Back / Next, the step in
the address); each other module is the steps of one part of the notebook's argument."""

"""Creating clips: submitting, running and recovering generation jobs, and storing what they make."""

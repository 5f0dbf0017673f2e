-- Databases of the payments backend and the agent desk, next to Rasa's tracker
-- store (docker-compose.yml; run once by the postgres image on an empty volume).
CREATE DATABASE payments OWNER rasa;
CREATE DATABASE desk OWNER rasa;

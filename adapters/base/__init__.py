"""What every CRM adapter shares: the Protocol and boundary values (``protocol``), the error tree
(``errors``), the one retry policy (``retry``) and the one rate budget (``budget``)."""

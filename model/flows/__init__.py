"""The flows of the justice system, one module each: demography, offending, policing, courts,
sentencing, custody, supervision and the proven-reoffending measure."""

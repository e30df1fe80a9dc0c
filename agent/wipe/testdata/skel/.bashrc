# Piste visitor shell settings. Reset at the end of every session.
export LANG=fi_FI.UTF-8
alias ll='ls -l'

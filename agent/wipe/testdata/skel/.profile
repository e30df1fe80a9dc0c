# Piste visitor login profile.
[ -f "$HOME/.bashrc" ] && . "$HOME/.bashrc"

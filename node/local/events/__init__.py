"""Events: street parties and meetings, RSVPs (local and on other nodes), drafts."""

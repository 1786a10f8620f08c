<?xml version="1.0" encoding="UTF-8"?>
<!--
  TEI issue -> plain text, for reading, grepping and quoting.

  Parameters
    article  an article xml:id: only that article (per-article files)
    header   the citation header, already composed (one line per field)
    part     'texts': every file of the issue in one pass, as
             <texts><rule/><text/><text article="ID"/>…</texts> (the issue's text, then
             each article's), for the caller to head each with its citation and the rule

  Blocks are separated by blank lines; the caller normalises to NFC and LF.
  lb contributes nothing: the text of a paragraph is exactly the TEI's.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:tei="http://www.tei-c.org/ns/1.0"
  exclude-result-prefixes="tei">

  <xsl:import href="common.xsl"/>
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:param name="article" select="''"/>
  <xsl:param name="header" select="''"/>
  <xsl:param name="part" select="''"/>

  <xsl:variable name="nl" select="'&#10;'"/>
  <xsl:variable name="block-end" select="'&#10;&#10;'"/>

  <!-- between the citation header and the text -->
  <xsl:variable name="rule" select="'————————————————————————'"/>

  <xsl:template match="/">
    <xsl:choose>
      <xsl:when test="$part = 'texts'">
        <texts>
          <rule><xsl:value-of select="$rule"/></rule>
          <text><xsl:apply-templates select="/tei:TEI/tei:text"/></text>
          <xsl:for-each select="//tei:div[@type = 'article'][@xml:id]">
            <text article="{@xml:id}"><xsl:apply-templates select="."/></text>
          </xsl:for-each>
        </texts>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="one-text"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="one-text">
    <xsl:if test="$header != ''">
      <xsl:value-of select="$header"/>
      <xsl:value-of select="$nl"/>
      <xsl:value-of select="$rule"/>
      <xsl:value-of select="$block-end"/>
    </xsl:if>
    <xsl:choose>
      <xsl:when test="$article != ''">
        <xsl:apply-templates select="key('by-id', $article)"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates select="/tei:TEI/tei:text"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="tei:teiHeader"/>

  <xsl:template match="tei:text | tei:body | tei:front | tei:back | tei:div | tei:argument | tei:figure">
    <xsl:apply-templates/>
  </xsl:template>

  <xsl:template match="tei:pb">
    <xsl:text>[</xsl:text><xsl:call-template name="page-label"/><xsl:text>]</xsl:text>
    <xsl:value-of select="$block-end"/>
  </xsl:template>

  <!-- a page break inside running text: marked in place, still editorial -->
  <xsl:template match="tei:p//tei:pb | tei:head//tei:pb">
    <xsl:text>[</xsl:text><xsl:call-template name="page-label"/><xsl:text>]</xsl:text>
  </xsl:template>

  <xsl:template match="tei:cb | tei:lb"/>

  <xsl:template match="tei:div[@type = 'article']">
    <xsl:value-of select="concat('=== ', @xml:id, ' ===', $nl)"/>
    <xsl:if test="@prev">
      <xsl:text>[上接 </xsl:text>
      <xsl:call-template name="where">
        <xsl:with-param name="pointer" select="@prev"/>
      </xsl:call-template>
      <xsl:text>]</xsl:text>
      <xsl:value-of select="$nl"/>
    </xsl:if>
    <xsl:variable name="leading" select="tei:head[not(preceding-sibling::*[not(self::tei:head)])]"/>
    <xsl:apply-templates select="$leading"/>
    <xsl:apply-templates select="node()[count(. | $leading) != count($leading)]"/>
    <xsl:if test="@next and not(.//tei:ref[@type = 'continuation'])">
      <xsl:text>[下转 </xsl:text>
      <xsl:call-template name="where">
        <xsl:with-param name="pointer" select="@next"/>
      </xsl:call-template>
      <xsl:text>]</xsl:text>
      <xsl:value-of select="$block-end"/>
    </xsl:if>
  </xsl:template>

  <!-- "hongkou-1845-a03，第4版" for a pointer to another article -->
  <xsl:template name="where">
    <xsl:param name="pointer"/>
    <xsl:variable name="target" select="key('by-id', substring($pointer, 2))"/>
    <xsl:value-of select="substring($pointer, 2)"/>
    <xsl:for-each select="$target">
      <xsl:text>，</xsl:text>
      <xsl:call-template name="page-label">
        <xsl:with-param name="n" select="preceding::tei:pb[1]/@n"/>
      </xsl:call-template>
    </xsl:for-each>
  </xsl:template>

  <xsl:template match="tei:div[@type = 'masthead']">
    <xsl:text>[报头]</xsl:text>
    <xsl:value-of select="$nl"/>
    <xsl:apply-templates/>
    <xsl:value-of select="$nl"/>
  </xsl:template>

  <!-- heads in a run are consecutive lines; the run ends the block -->
  <xsl:template match="tei:head">
    <xsl:apply-templates/>
    <xsl:choose>
      <xsl:when test="following-sibling::*[1][self::tei:head]"><xsl:value-of select="$nl"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$block-end"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="tei:byline">
    <xsl:apply-templates/>
    <xsl:value-of select="$block-end"/>
  </xsl:template>

  <xsl:template match="tei:p">
    <xsl:text>[</xsl:text><xsl:call-template name="para-label"/><xsl:text>] </xsl:text>
    <xsl:apply-templates/>
    <xsl:value-of select="$block-end"/>
  </xsl:template>

  <xsl:template match="tei:fw[@type = 'masthead']">
    <xsl:apply-templates/>
    <xsl:value-of select="$nl"/>
  </xsl:template>

  <xsl:template match="tei:fw">
    <xsl:apply-templates/>
    <xsl:for-each select=".//tei:ref[@type = 'continuation'][starts-with(@target, '#')]">
      <xsl:text> [→ </xsl:text>
      <xsl:call-template name="where">
        <xsl:with-param name="pointer" select="@target"/>
      </xsl:call-template>
      <xsl:text>]</xsl:text>
    </xsl:for-each>
    <xsl:value-of select="$block-end"/>
  </xsl:template>

  <xsl:template match="tei:gap">
    <xsl:call-template name="gap-label"/>
    <xsl:apply-templates/>
    <xsl:if test="parent::tei:div">
      <xsl:value-of select="$block-end"/>
    </xsl:if>
  </xsl:template>

  <xsl:template match="tei:note">
    <xsl:text>〔注：</xsl:text><xsl:apply-templates/><xsl:text>〕</xsl:text>
  </xsl:template>

  <xsl:template match="tei:choice">
    <xsl:apply-templates select="tei:corr | tei:reg | tei:expan"/>
  </xsl:template>

  <xsl:template match="text()">
    <xsl:value-of select="translate(., '&#10;&#13;&#9;', '   ')"/>
  </xsl:template>

  <xsl:template match="comment() | processing-instruction()"/>

</xsl:stylesheet>
